"""The web chat and the server on top: `ui.app.build_app(assistant, settings)` builds the Gradio Blocks,
`ui.server` serves them beside the HTTP API (`ui.http_api`), `ui.cli` is the `article-assistant` console script,
and `ui.remote` its client of a running serve. Every surface lives here; answering is `assistant`'s.

Kept import-light on purpose (Gradio is slow to import): import `ui.app` and `ui.server` where they are needed.
"""
