# Installation and packaging (issue 14, section 2): the three tools, a man page for each
# (generated at build time from --help by Debian's help2man), the licence, the README and the
# example spec under any prefix (cmake --install BUILD --prefix P); a Debian package with
# cpack -G DEB whose Depends is computed by dpkg-shlibdeps from the binaries.
include(GNUInstallDirs)

set(SYNTHMOD_TOOLS synthmod-generate synthmod-judge synthmod-stats)
install(TARGETS ${SYNTHMOD_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES LICENSE README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES examples/moderation.toml examples/personas.jsonl examples/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# Man pages. help2man runs each built tool with --help and --version, so a page always matches its
# tool. A missing help2man stops the configuration rather than dropping the pages in silence.
option(SYNTHMOD_MAN "Generate and install man pages with help2man" ON)
if(SYNTHMOD_MAN)
  find_program(SYNTHMOD_HELP2MAN help2man)
  find_program(SYNTHMOD_GZIP gzip)
  if(NOT SYNTHMOD_HELP2MAN OR NOT SYNTHMOD_GZIP)
    message(FATAL_ERROR
      "help2man (and gzip) are needed for the man pages: install them (apt-get install help2man; "
      "scripts/install-deps does it), or configure with -DSYNTHMOD_MAN=OFF to build without man pages.")
  endif()
  set(man_names
    "synthmod-generate=generate labelled, persona-conditioned user posts with an LLM"
    "synthmod-judge=grade every row of a labelled dataset with a second LLM"
    "synthmod-stats=measure and gate a labelled text dataset: balance, duplicates, agreement")
  set(man_pages "")
  foreach(entry IN LISTS man_names)
    string(FIND "${entry}" "=" eq)
    string(SUBSTRING "${entry}" 0 ${eq} tool)
    math(EXPR rest "${eq} + 1")
    string(SUBSTRING "${entry}" ${rest} -1 summary)
    set(page "${PROJECT_BINARY_DIR}/man/${tool}.1")
    add_custom_command(
      OUTPUT "${page}.gz"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/man"
      COMMAND "${SYNTHMOD_HELP2MAN}" --no-info --section=1 "--name=${summary}"
              "--include=${PROJECT_SOURCE_DIR}/cmake/man-include.h2m"
              "--output=${page}" "$<TARGET_FILE:${tool}>"
      COMMAND "${SYNTHMOD_GZIP}" -9 -n -f "${page}"
      DEPENDS ${tool} "${PROJECT_SOURCE_DIR}/cmake/man-include.h2m"
      COMMENT "help2man: ${tool}.1"
      VERBATIM)
    list(APPEND man_pages "${page}.gz")
  endforeach()
  add_custom_target(synthmod_man ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# cpack -G DEB (run from the build folder, or cpack --config BUILD/CPackConfig.cmake -B OUT).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME synthmod)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The synthmod authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audited synthetic datasets for content moderation")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "The synthmod authors")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The summary line comes from CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents these lines.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Three command-line tools: synthmod-generate asks an LLM (Claude, any
OpenAI-compatible server, or a built-in offline provider) for labelled,
persona-conditioned user posts; synthmod-judge grades every row with a second
model; synthmod-stats measures label balance, exact and near duplicates, judge
agreement and diversity, writes a report and gates a release on thresholds.")
# Depends from the binaries' NEEDED entries (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
