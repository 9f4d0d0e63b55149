"""The web chat and the server on top: `ui.app.build_app(assistant, settings)` builds the Gradio Blocks,
`ui.server` serves them beside the HTTP API, and `ui.cli` is the `article-assistant` console script (the core's
commands from `assistant.cli`, plus `serve`).

Kept import-light on purpose (Gradio is slow to import): import `ui.app` and `ui.server` where they are needed.
"""
