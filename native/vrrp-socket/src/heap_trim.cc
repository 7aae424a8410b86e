/*
 * Memory back to the kernel once the shim's start-up is over
 * (shim/daemon/heap.ts): parsing a large keepalived.conf and the first
 * reconcile peak well above the idle daemon's needs.
 *
 * lowMemory(): V8's Isolate::LowMemoryNotification(), the collection V8 runs
 * when told memory is short: full collections until nothing more is freed,
 * compacting the old generation, shrinking the young generation back to its
 * initial size and unmapping the pages this frees. No JavaScript API reaches
 * it (gc() neither compacts on demand nor shrinks the young generation), so
 * this target is C++ against the headers of the Node that `npm ci` builds it
 * for; a Node upgraded without rebuilding fails to load it and the shim falls
 * back to gc().
 *
 * trim(): glibc's malloc_trim(0): every whole free page of every arena back
 * to the kernel (glibc keeps freed memory otherwise). True when pages went
 * back; false when none could, or the C library is not glibc.
 */
#include <node_api.h>
#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value js_trim(napi_env env, napi_callback_info) {
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value out;
  napi_get_boolean(env, released != 0, &out);
  return out;
}

static napi_value js_low_memory(napi_env, napi_callback_info) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate) isolate->LowMemoryNotification();
  return nullptr;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"trim", nullptr, js_trim, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lowMemory", nullptr, js_low_memory, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
