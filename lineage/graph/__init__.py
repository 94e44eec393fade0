"""Operations on the loaded graph: derived edges, validation, the class tree, names and search,
the details of one institution (show), sources and the existence rule of time."""
