# Debian package: the GUI, the CLI, the desktop entry, the icon and man pages.
#   cmake --build build && (cd build && cpack)      ->  build/shardscope_<version>_<arch>.deb
# Runtime dependencies come from dpkg-shlibdeps, so the package names exactly the libraries
# the binaries link (Qt 6, QCustomPlot, zstd, zlib, simdjson ...) on the build's Debian.
# With SHARDSCOPE_WITH_TORCH the language-model plugin goes to <libdir>/shardscope/libshardscope_lm.so
# (core/lm/CMakeLists.txt), where the executables look for it relative to themselves (core/lmplugin.h);
# dpkg-shlibdeps reads it like the executables, so libtorch stays a dependency of the package, though
# only the plugin links it and only a language model loads it.

set(SHARDSCOPE_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SHARDSCOPE_RESOURCES_DIR ${CMAKE_CURRENT_LIST_DIR}/../resources)

if(TARGET shardscope)
    install(FILES ${SHARDSCOPE_RESOURCES_DIR}/shardscope.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${SHARDSCOPE_RESOURCES_DIR}/icons/shardscope.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()

# Man pages are written by hand in troff and installed gzipped, as Debian policy asks.
find_program(SHARDSCOPE_GZIP gzip)
set(_shardscope_manpages shardscope-cli.1)
if(TARGET shardscope)
    list(APPEND _shardscope_manpages shardscope.1)
endif()
set(_shardscope_manpage_outputs)
foreach(page ${_shardscope_manpages})
    set(out ${CMAKE_BINARY_DIR}/man/${page}.gz)
    if(SHARDSCOPE_GZIP)
        add_custom_command(OUTPUT ${out}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
            COMMAND ${SHARDSCOPE_GZIP} -9 -n -c ${SHARDSCOPE_PACKAGING_DIR}/${page} > ${out}
            DEPENDS ${SHARDSCOPE_PACKAGING_DIR}/${page}
            COMMENT "Compressing man page ${page}")
        list(APPEND _shardscope_manpage_outputs ${out})
        install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    else()
        install(FILES ${SHARDSCOPE_PACKAGING_DIR}/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    endif()
endforeach()
if(_shardscope_manpage_outputs)
    add_custom_target(shardscope_manpages ALL DEPENDS ${_shardscope_manpage_outputs})
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "shardscope")
set(CPACK_PACKAGE_VENDOR "Shardscope")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Inspect LLM pretraining corpora and tune document filters")
set(CPACK_PACKAGE_DESCRIPTION
    "Shardscope scores the documents of JSON Lines corpus shards (plain, gzip, zstd) with compression "
    "ratios and heuristic quality statistics, shows histograms with draggable cutoffs, the documents a "
    "cutoff drops, and exports filter configs that shardscope-cli applies on headless machines.")
set(CPACK_PACKAGE_CONTACT "Shardscope maintainers <shardscope@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Qt loads these as plugins, so dpkg-shlibdeps cannot see them: the platform plugin for X11
# and Wayland, and the SVG icon engine for the window icon.
if(TARGET shardscope)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")
    # Corpora hold text in every script: without fonts for Tibetan/Dzongkha, Myanmar, Devanagari, CJK ... the viewer
    # and the table show those documents as empty boxes (issue 20). Recommended, not required: the CLI needs none.
    set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji")
endif()
include(CPack)
