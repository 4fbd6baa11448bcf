//! The local AWS (moto) and loopback DNS for tests and the demo.
