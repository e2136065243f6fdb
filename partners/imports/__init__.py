"""Spreadsheet import and export of partners with django-import-export."""
