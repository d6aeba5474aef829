"""The side-by-side benchmark: this project against PostGraphile v4 and v5 (`bench.side_by_side`)."""
