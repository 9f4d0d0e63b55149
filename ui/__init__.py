"""The web chat: `ui.app.build_app(assistant, settings)` builds its Gradio Blocks; `assistant.server` serves them.

Kept import-light on purpose (Gradio is slow to import): import `ui.app` where it is needed.
"""
