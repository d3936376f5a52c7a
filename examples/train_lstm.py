"""Train the LSTM classifier on digits on the simulated chip: each 8x8 image is read row by row
(8 time steps of 8 pixels), the last hidden state is classified.

Asserts: test accuracy >= 95%; every epoch's mean loss within 50% (+0.02) of the same network
trained in float64 NumPy on the same batches (bf16 rounding sends the runs along different but
equally good trajectories). See digits_common.py for how cycles are measured.

Run: python examples/train_lstm.py [--fidelity fast|sampled|pe] [--chip PRESET]
"""

from digits_common import main

if __name__ == "__main__":
    main("lstm", 0.95, __doc__)
