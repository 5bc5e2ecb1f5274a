"""The sleep diary: entries, their history, the diary pages, charts and CSV files."""
