# The language-model pieces that need no libtorch (the BPE tokenizer, the safetensors header reader, which
# is fuzzed without torch), compiled into shardscope_core always. Included by core/CMakeLists.txt; paths are
# relative to core/. GLOBAL: the language-model plugin (core/lm/CMakeLists.txt) compiles them too.
pkg_check_modules(PCRE2 IMPORTED_TARGET GLOBAL libpcre2-8)
if(NOT PCRE2_FOUND)
    message(FATAL_ERROR "The BPE tokenizer needs PCRE2 (Unicode property classes, JIT): apt-get install libpcre2-dev")
endif()
# Unicode normal forms (NFC for GPT-NeoX and Qwen2 tokenizers).
pkg_check_modules(UTF8PROC IMPORTED_TARGET GLOBAL libutf8proc)
if(NOT UTF8PROC_FOUND)
    message(FATAL_ERROR "The BPE tokenizer needs utf8proc (Unicode normalization): apt-get install libutf8proc-dev")
endif()
set(SHARDSCOPE_LM_SOURCES lm/bpetokenizer.cpp lm/safetensorsheader.cpp lm/lmshape.cpp)
set(SHARDSCOPE_LM_LIBRARIES PkgConfig::PCRE2 PkgConfig::UTF8PROC)
