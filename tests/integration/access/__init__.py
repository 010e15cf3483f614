"""The access matrix, one table of endpoints and one seed per service (see test_access_matrix)."""
