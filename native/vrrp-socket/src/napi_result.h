/*
 * What the netlink addons hand back to JavaScript: numbers, and a failure as
 * a plain {errno, syscall} object (never a thrown error: the TypeScript side
 * names and counts it). Shared by ipvs_netlink.c and rtnetlink.c.
 */
#ifndef VIGIL_NAPI_RESULT_H
#define VIGIL_NAPI_RESULT_H
#include <node_api.h>

static napi_value num(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static napi_value fail(napi_env env, const char *syscall, int err) {
  napi_value out, s;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "errno", num(env, err));
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "syscall", s);
  return out;
}
#endif
