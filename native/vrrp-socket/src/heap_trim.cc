/*
 * malloc_trim(0) for the shim after start-up (shim/daemon/heap.ts): parsing
 * a large keepalived.conf and the first reconcile peak well above the idle
 * daemon's needs, and glibc keeps freed memory in its arenas (top of the main
 * heap and every thread arena) unless asked to give it back. malloc_trim(0)
 * returns every whole free page of every arena to the kernel (MADV_DONTNEED).
 *
 * Exports: trim() -> true when memory was released, false when none could be
 * (or the C library is not glibc, where there is nothing to call).
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value js_trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value out;
  napi_get_boolean(env, released != 0, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"trim", NULL, js_trim, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
