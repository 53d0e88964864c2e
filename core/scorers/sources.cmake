# The heuristic scorers (issue 5). Paths are relative to core/; the core library includes this file.
# Link dependency: libxxhash (XXH3 for word, line and n-gram hashing).
set(SHARDSCOPE_HEURISTIC_SOURCES
    scorers/c4.cpp
    scorers/fineweb.cpp
    scorers/gopher.cpp
    scorers/heuristics.cpp
    scorers/hygiene.cpp
    scorers/ngram.cpp
    scorers/textsplit.cpp
    scorers/unicodeclass.cpp
    scorers/unicodeclass_table.cpp
)
# Language identification (fastText lid.176); core/CMakeLists.txt adds it when libfasttext is found.
set(SHARDSCOPE_LANGID_SOURCES scorers/langid.cpp)
