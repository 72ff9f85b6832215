# Writes convscope.1 from the program's own help (no second copy to drift): help2man reads
# `convscope --help` and `--version`; this script adds a COMMANDS section made of every
# command's `convscope COMMAND --help` (the commands as `convscope --help` lists them) and
# the hand-written FILES / ENVIRONMENT / SEE ALSO of app/share/convscope.h2m.
# Run by app/CMakeLists.txt: cmake -DBIN=… -DHELP2MAN=… -DEXTRA=….h2m -DOUT=convscope.1 -P ManPage.cmake
execute_process(COMMAND ${BIN} --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${BIN} --help failed (${status})")
endif()
string(REGEX MATCH "\nCommands:\n(([^\n]+\n)+)" block "${help}")
string(REGEX MATCHALL "\n  [a-z]+ " names "\n${CMAKE_MATCH_1}")
if(NOT names)
  message(FATAL_ERROR "no commands in `${BIN} --help`")
endif()
file(READ ${EXTRA} include)
string(APPEND include "\n[COMMANDS]\nEach command's options, as `convscope COMMAND --help` prints them.\n")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  execute_process(COMMAND ${BIN} ${name} --help OUTPUT_VARIABLE text RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${BIN} ${name} --help failed (${status})")
  endif()
  # Verbatim in roff: backslashes escaped, a leading dot or quote made literal.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(APPEND include ".SS \"convscope ${name}\"\n.nf\n${text}.fi\n")
endforeach()
file(WRITE ${OUT}.h2m "${include}")
execute_process(COMMAND ${HELP2MAN} --no-info --section=1 --name=${NAME} --include=${OUT}.h2m --output=${OUT} ${BIN}
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "help2man failed (${status})")
endif()
