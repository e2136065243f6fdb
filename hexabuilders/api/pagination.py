from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages for small, bounded lists; ``page_size`` is capped at 200."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """Cursor pages for large append-only lists, newest first."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 500
