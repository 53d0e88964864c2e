# The heuristic scorers (issue 5). Paths are relative to core/; the core library includes this file.
# Link dependencies: libxxhash (XXH3 for word, line and n-gram hashing); PCRE2 and utf8proc (the
# bad-words regex and lower-casing; linked through core/lm/sources.cmake).
set(SHARDSCOPE_HEURISTIC_SOURCES
    scorers/assets.cpp
    scorers/badwords.cpp
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
