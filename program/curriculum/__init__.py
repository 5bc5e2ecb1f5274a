"""The curriculum: weeks and lessons, versions, files, the lesson pages and admin."""
