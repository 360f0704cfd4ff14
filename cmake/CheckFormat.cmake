# ctest's format check: every C++ file of the project is as clang-format (.clang-format at the top)
# writes it. Run as cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -P CheckFormat.cmake; fails naming
# each file that is not, and says how to fix it.
file(GLOB_RECURSE files LIST_DIRECTORIES false
    ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.h
    ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.h
    ${SOURCE_DIR}/model/*.cpp ${SOURCE_DIR}/model/*.h
    ${SOURCE_DIR}/resources/*.cpp ${SOURCE_DIR}/resources/*.h
    ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.h
    ${SOURCE_DIR}/widgets/*.cpp ${SOURCE_DIR}/widgets/*.h)
list(SORT files)
list(LENGTH files count)
if(count EQUAL 0)
    message(FATAL_ERROR "no C++ files found under ${SOURCE_DIR}")
endif()
set(unformatted "")
foreach(file IN LISTS files)
    execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${file}
        RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
    if(NOT result EQUAL 0)
        file(RELATIVE_PATH name ${SOURCE_DIR} ${file})
        list(APPEND unformatted ${name})
    endif()
endforeach()
if(unformatted)
    list(JOIN unformatted "\n  " listed)
    message(FATAL_ERROR "not as clang-format writes them:\n  ${listed}\n"
        "Format them with: clang-format -i FILE (or git clang-format for the lines you changed)")
endif()
message(STATUS "${count} files, all formatted")
