"""The document views' fixtures (a context with the documents area, a Russian deal with lines),
shared by the test modules of this folder."""

from tests.documents_ui.test_document_views import context, deal  # noqa: F401 - fixtures
