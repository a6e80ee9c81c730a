"""Keras training, k-fold evaluation and ONNX export of the MNIST model zoo (see the training issue)."""
