# SPDX-License-Identifier: MIT
# The errno and signal name tables (as Go's mkerrors.sh makes them): the names come from
# the system headers as the C compiler sees them, not from a hand-typed list.
#
# At configure time the compiler lists the macros of <errno.h> and <signal.h>
# (-dM -E). Every E* and SIG* name goes into a generator program, built from
# cmake/mkerrors.c.in for the build machine; at build time it keeps the names
# whose values are in range and writes ${SUBPROC_GENERATED_DIR}/names.inc,
# which src/sys/names.c includes. Target subproc_names produces the file.
#
# The values are those of the machine that builds: cross-compiling would need
# CMAKE_CROSSCOMPILING_EMULATOR to run the generator.

if(NOT SUBPROC_GENERATED_DIR)
  message(FATAL_ERROR "mkerrors.cmake: set SUBPROC_GENERATED_DIR first")
endif()

# Where one number has several names, the name given for the number is the
# preferred one below, else the first in alphabetical order; every name still
# parses. Pairs as glibc has them (preferred first): EAGAIN/EWOULDBLOCK,
# EDEADLK/EDEADLOCK, EOPNOTSUPP/ENOTSUP, SIGABRT/SIGIOT, SIGCHLD/SIGCLD,
# SIGIO/SIGPOLL, SIGSYS/SIGUNUSED (the last only in older headers).
set(SUBPROC_PREFERRED_NAMES EAGAIN EDEADLK EOPNOTSUPP SIGABRT SIGCHLD SIGIO SIGSYS)

# Macros that match the pattern but are not signal numbers: the real-time
# bounds are run-time values (names.c handles them), SIGSTKSZ is a size.
set(_mkerrors_skip SIGRTMIN SIGRTMAX SIGSTKSZ)

set(_probe "${SUBPROC_GENERATED_DIR}/mkerrors_probe.c")
file(WRITE "${_probe}" "#include <errno.h>\n#include <signal.h>\n")
separate_arguments(_cflags UNIX_COMMAND "${CMAKE_C_FLAGS}")
execute_process(
  COMMAND ${CMAKE_C_COMPILER} ${_cflags} -D_GNU_SOURCE -dM -E "${_probe}"
  OUTPUT_VARIABLE _macros
  ERROR_VARIABLE _errors
  RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "mkerrors: ${CMAKE_C_COMPILER} -dM -E failed:\n${_errors}")
endif()

# Object-like macros only: the name is followed by a space, so SIG_BLOCK and
# function-like macros do not match. The leading newline anchors each match
# at the start of a line.
string(REGEX MATCHALL "\n#define (E|SIG)[A-Z0-9]+ " _defines "\n${_macros}")
set(_names)
foreach(_define IN LISTS _defines)
  string(REGEX REPLACE "^\n#define ([A-Z0-9]+) $" "\\1" _name "${_define}")
  if(NOT _name IN_LIST _mkerrors_skip)
    list(APPEND _names "${_name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES _names)
list(SORT _names)

set(MKERRORS_ERRNOS "")
set(MKERRORS_SIGNALS "")
foreach(_name IN LISTS _names)
  if(_name IN_LIST SUBPROC_PREFERRED_NAMES)
    set(_preferred 1)
  else()
    set(_preferred 0)
  endif()
  if(_name MATCHES "^SIG")
    string(APPEND MKERRORS_SIGNALS "\t{\"${_name}\", ${_name}, ${_preferred}},\n")
  else()
    string(APPEND MKERRORS_ERRNOS "\t{\"${_name}\", ${_name}, ${_preferred}},\n")
  endif()
endforeach()
if(MKERRORS_ERRNOS STREQUAL "" OR MKERRORS_SIGNALS STREQUAL "")
  message(FATAL_ERROR "mkerrors: no E* or SIG* macros found in <errno.h> and <signal.h>")
endif()

configure_file("${CMAKE_CURRENT_LIST_DIR}/mkerrors.c.in" "${SUBPROC_GENERATED_DIR}/mkerrors.c" @ONLY)
add_executable(subproc_mkerrors "${SUBPROC_GENERATED_DIR}/mkerrors.c")
add_custom_command(
  OUTPUT "${SUBPROC_GENERATED_DIR}/names.inc"
  COMMAND subproc_mkerrors "${SUBPROC_GENERATED_DIR}/names.inc"
  DEPENDS subproc_mkerrors
  COMMENT "Generating errno and signal name tables"
  VERBATIM)
add_custom_target(subproc_names DEPENDS "${SUBPROC_GENERATED_DIR}/names.inc")
