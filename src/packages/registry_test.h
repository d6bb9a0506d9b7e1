/*
 * White-box test hook of the package registry (never used by the library
 * itself): add one extra package (a mock) after the compiled-in ones, or
 * remove it again with NULL. Not thread-safe: call it before using the API.
 */
#ifndef LIBSSPI_PACKAGES_REGISTRY_TEST_H
#define LIBSSPI_PACKAGES_REGISTRY_TEST_H

#include "packages/package.h"

void sspi_registry_set_test_package(const sspi_package *p);

#endif
