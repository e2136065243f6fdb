"""Spreadsheet import of ad-platform reports with django-import-export."""
