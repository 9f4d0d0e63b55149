"""The web chat: `ui.app.serve(settings)` runs it; `ui.app.build_app` / `ui.app.create_server_app` build it.

Kept import-light on purpose (Gradio is slow to import): import `ui.app` where it is needed.
"""
