"""The app's own named formats in Dutch, whose interface is not translated yet (see
``cbti.formats.en.formats``); Django's own Dutch formats stand for the rest."""

# A comma is the decimal mark, so the numbers of a list are separated by semicolons.
NUMBER_LIST_SEPARATOR = "; "
