"""Data: source corpora (Debian packages), MIDI rendering, speech streams, mixtures, test splits."""
