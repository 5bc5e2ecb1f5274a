"""The app's own named formats in German (see ``cbti.formats.en.formats``); Django's own
German formats stand for the rest."""

# A comma is the decimal mark, so the numbers of a list are separated by semicolons (the
# forms' hints write "2,5; 5").
NUMBER_LIST_SEPARATOR = "; "
