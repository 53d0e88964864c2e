# The language-model pieces that need no libtorch (the BPE tokenizer), compiled into shardscope_core
# always. Included by core/CMakeLists.txt; paths are relative to core/.
pkg_check_modules(PCRE2 IMPORTED_TARGET libpcre2-8)
if(NOT PCRE2_FOUND)
    message(FATAL_ERROR "The BPE tokenizer needs PCRE2 (Unicode property classes, JIT): apt-get install libpcre2-dev")
endif()
set(SHARDSCOPE_LM_SOURCES lm/bpetokenizer.cpp)
set(SHARDSCOPE_LM_LIBRARIES PkgConfig::PCRE2)
