"""Keras training, k-fold evaluation and ONNX export of the MNIST model zoo (README, "Models")."""

# The zoo in table order: the seven tutorial models, then ours. Kept free of Keras so that reading the cards
# (training.cards) and listing the models (make models) need no TensorFlow.
ZOO = (
    *("mlp", "dense_dropout", "mlp3", "simple_cnn", "baseline_cnn", "baseline_cnn_bn", "deeper_cnn", "best"),
    "robust",
)
