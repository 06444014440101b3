"""Files in, database out: paths and settings, the district register and name resolution,
boundary files, reading and validating department files, accepting and withdrawing batches, seed
and demonstration data, and the build with its SQL. Imports nothing from `numbers` or `views`."""
