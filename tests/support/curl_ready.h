// curl_ready: libcurl initialised once for the test binary, before a test makes a transport.
#pragma once

#include <curl/curl.h>

namespace synthmod::test {

/// curl_global_init belongs in main; the test binary's main is Catch2's. (The call is
/// reference-counted and never undone here; a test REQUIREs this before it sends.)
inline const bool curl_ready = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();

}  // namespace synthmod::test
