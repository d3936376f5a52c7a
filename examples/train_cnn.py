"""Train the LeNet-style CNN (two conv + max-pool stages, two dense layers) on digits on the
simulated chip.

Asserts: test accuracy >= 98%; every epoch's mean loss within 50% (+0.02) of the same network
trained in float64 NumPy on the same batches. See digits_common.py for how cycles are measured.

Run: python examples/train_cnn.py [--fidelity fast|sampled|pe] [--chip PRESET]
"""

from digits_common import main

if __name__ == "__main__":
    main("cnn", 0.98, __doc__)
