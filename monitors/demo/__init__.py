"""The offline demo: bundled fixture news sites served on loopback, one cycle."""
