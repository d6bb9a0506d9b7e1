# Install-time script (see the install section of CMakeLists.txt): writes
# libsspi.pc for the prefix being installed to and installs it into
# <libdir>/pkgconfig. Inputs: CMAKE_INSTALL_PREFIX (set by cmake --install),
# PC_LIBDIR_REL, PC_INCLUDEDIR_REL, PROJECT_VERSION, LIBSSPI_PC_IN,
# LIBSSPI_PC_TMP.
set(PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${PC_${d}_REL}")
    set(PC_${d} "${PC_${d}_REL}")
    set(dest_${d} "${PC_${d}_REL}")
  else()
    set(PC_${d} "\${prefix}/${PC_${d}_REL}")
    set(dest_${d} "${CMAKE_INSTALL_PREFIX}/${PC_${d}_REL}")
  endif()
endforeach()
string(MD5 pc_tag "${CMAKE_INSTALL_PREFIX}")
configure_file("${LIBSSPI_PC_IN}" "${LIBSSPI_PC_TMP}/${pc_tag}/libsspi.pc" @ONLY)
file(INSTALL DESTINATION "${dest_LIBDIR}/pkgconfig" TYPE FILE
     FILES "${LIBSSPI_PC_TMP}/${pc_tag}/libsspi.pc")
