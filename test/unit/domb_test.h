/*
 * Common main for cmocka unit tests. ctest runs each case as its own test by
 * passing the case name as argv[1] (see cmake/DombTesting.cmake); with no
 * argument, every case runs.
 */
#ifndef DOMB_TEST_H
#define DOMB_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define DOMB_TEST_MAIN(tests)                                                                      \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        if (argc > 1)                                                                              \
            cmocka_set_test_filter(argv[1]);                                                       \
        return cmocka_run_group_tests(tests, NULL, NULL);                                          \
    }

#endif
