"""Training the reader: data loaders, the example builder, augmentation, the training loop, calibration and
the model card. Serving never imports this package (assistant/reader/ holds what answering needs)."""

__all__: list[str] = []
