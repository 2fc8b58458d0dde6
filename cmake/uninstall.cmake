# SPDX-License-Identifier: MIT
# Removes the files install_manifest.txt lists (the last `cmake --install`
# of this build tree, DESTDIR included), then the directories the project
# alone owns, when they are left empty. Shared directories (lib, share/man,
# ...) are never removed.
#
# usage: cmake -DMANIFEST=BUILD/install_manifest.txt -P uninstall.cmake
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "${MANIFEST} not found: nothing was installed from this build tree")
endif()
file(STRINGS "${MANIFEST}" _files)
set(_dirs "")
foreach(_file IN LISTS _files)
  if(IS_SYMLINK "${_file}" OR EXISTS "${_file}")
    message(STATUS "Removing ${_file}")
    file(REMOVE "${_file}")
    if(IS_SYMLINK "${_file}" OR EXISTS "${_file}")
      message(FATAL_ERROR "could not remove ${_file}")
    endif()
  else()
    message(STATUS "Already gone: ${_file}")
  endif()
  get_filename_component(_dir "${_file}" DIRECTORY)
  if(_dir MATCHES "/cmake/subproc$")
    list(APPEND _dirs "${_dir}")
  endif()
endforeach()
list(REMOVE_DUPLICATES _dirs)
foreach(_dir IN LISTS _dirs)
  file(GLOB _left "${_dir}/*")
  if(NOT _left)
    file(REMOVE_RECURSE "${_dir}")
  endif()
endforeach()
