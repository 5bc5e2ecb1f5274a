"""The app's own named formats in French (see ``cbti.formats.en.formats``); Django's own
French formats stand for the rest."""

# A comma is the decimal mark, so the numbers of a list are separated by semicolons, with
# the no-break space French puts before ";" (the forms' hints write "2,5 ; 5").
NUMBER_LIST_SEPARATOR = "\u00a0; "
