"""Data preparation, apart from the runtime package: the Human3.6M converters, the
lifting network that makes ``h36m_fcn_3D``, the CMU motion-capture reader, the model of
a detector's errors and synthetic data for tests and the demo. Used by ``scripts/``."""
