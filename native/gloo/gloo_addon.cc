// N-API binding of Debian's libgloo for data-parallel training: rendezvous (our TCP store at MASTER_ADDR:MASTER_PORT,
// or gloo's FileStore in a shared folder), then allreduce (sum, in place), broadcast and barrier on host buffers.
// gloo does the collectives; this file only moves work off the JS thread and turns failures into rejected promises.
//
// Threads: createGroup connects on a libuv pool thread (napi_async_work): rendezvous blocks for as long as the slowest
// rank takes to start. Each group then owns one worker thread that runs its ops in the order JS issued them, so
// several buffers (gradient buckets) can be queued without awaiting each; results come back through a thread-safe
// function. Every rank must issue the same ops in the same order (the tag of each op is its sequence number).
#include <node_api.h>

#include <netdb.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/common/error.h>
#include <gloo/config.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include "tcp_store.h"

#define FTS_STR2(x) #x
#define FTS_STR(x) FTS_STR2(x)
#define GLOO_VERSION_STRING FTS_STR(GLOO_VERSION_MAJOR) "." FTS_STR(GLOO_VERSION_MINOR) "." FTS_STR(GLOO_VERSION_PATCH)

namespace {

#define NAPI_OK(call)                                  \
  do {                                                 \
    if ((call) != napi_ok) return throwLast(env);      \
  } while (0)

napi_value throwLast(napi_env env) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, info && info->error_message ? info->error_message : "N-API call failed");
  return nullptr;
}

napi_value typeError(napi_env env, const std::string& msg) {
  napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}

napi_value jsString(napi_env env, const std::string& s) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

void rejectWith(napi_env env, napi_deferred deferred, const std::string& msg) {
  napi_value err = nullptr;
  napi_create_error(env, nullptr, jsString(env, msg), &err);
  napi_reject_deferred(env, deferred, err);
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "ip6-localhost" || host.rfind("127.", 0) == 0;
}

// The local address a socket to `host` would leave from: the interface this machine reaches MASTER_ADDR on, which
// is the one the other ranks can reach it on too. A UDP connect sends nothing; it only asks the kernel for a route.
std::string routeTo(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), "9", &hints, &list) != 0 || !list) return "";
  std::string found;
  int fd = ::socket(list->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, list->ai_addr, list->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    char text[INET6_ADDRSTRLEN] = {0};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        ::getnameinfo(reinterpret_cast<sockaddr*>(&local), len, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) == 0) {
      found = text;
    }
  }
  if (fd >= 0) ::close(fd);
  freeaddrinfo(list);
  return found;
}

// Whether `host` resolves to a loopback address (Debian's /etc/hosts maps the machine's own name to 127.0.1.1).
bool resolvesToLoopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0 || !list) return false;
  char text[INET6_ADDRSTRLEN] = {0};
  getnameinfo(list->ai_addr, list->ai_addrlen, text, sizeof(text), nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(list);
  return isLoopback(text);
}

bool has(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

// gloo's messages are precise but written for gloo developers ("[.../pair.cc:598] Connection closed by peer
// [127.0.0.1]:41234"). Say what happened in the words of the person running the job, and keep gloo's text after it.
// Our own messages (the TCP store's) do not start with gloo's "[file:line]" and are already plain.
std::string explain(const std::string& what, int rank, int size, std::chrono::milliseconds timeout) {
  if (has(what, "timeout caused pair closure")) {
    return "the group's connections were closed by an earlier timeout; open a new group (" + what + ")";
  }
  if (what.empty() || what[0] != '[') return what;
  std::string peer = size == 2 ? "rank " + std::to_string(1 - rank) : "a peer";
  std::string cause;
  if (has(what, "closed by peer") || has(what, "Connection reset") || has(what, "Broken pipe") ||
      has(what, "ECONNRESET") || has(what, "EPIPE") || has(what, "Connection refused")) {
    cause = "connection closed by peer (" + peer + " died?)";
  } else if (has(what, "Timed out") || has(what, "timed out") || has(what, "Timeout")) {
    cause = "timed out after " + std::to_string(timeout.count()) + " ms (" + peer + " stuck, slow or gone?)";
  } else {
    return what;
  }
  return cause + " [gloo: " + what + "]";
}

struct Options {
  int rank = 0;
  int size = 1;
  std::string masterAddr = "127.0.0.1";
  bool masterAddrGiven = false;
  int masterPort = 0;
  std::string storePath;
  std::string prefix = "fts";
  std::chrono::milliseconds timeout{60000};
};

enum class OpKind { Allreduce, Broadcast, Barrier };

const char* opName(OpKind k) {
  switch (k) {
    case OpKind::Allreduce: return "allreduce";
    case OpKind::Broadcast: return "broadcast";
    case OpKind::Barrier: return "barrier";
  }
  return "op";
}

struct Op {
  explicit Op(OpKind k) : kind(k) {}
  OpKind kind;
  void* data = nullptr;
  size_t count = 0;        // elements
  size_t elementSize = 0;  // bytes
  bool isDouble = false;
  int root = 0;
  uint32_t tag = 0;
  napi_deferred deferred = nullptr;
  napi_ref buffer = nullptr;  // keeps the typed array alive while gloo reads and writes it
  std::string error;
};

struct Group {
  Options opts;
  std::unique_ptr<fts::TcpStoreServer> server;
  std::unique_ptr<gloo::rendezvous::Store> store;
  std::unique_ptr<gloo::rendezvous::PrefixStore> prefixed;
  std::shared_ptr<gloo::transport::Device> device;
  std::shared_ptr<gloo::rendezvous::Context> context;
  std::string transportReason;  // which address this rank listens on and why, for the run log

  // Set on the JS thread only.
  napi_threadsafe_function tsfn = nullptr;
  int pending = 0;
  bool closed = false;
  uint32_t nextTag = 1;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Op*> queue;
  bool stopping = false;
  std::thread worker;

  ~Group() {
    // The worker may hold the last reference; a joinable std::thread must never be destroyed (std::terminate).
    if (worker.joinable()) {
      if (worker.get_id() == std::this_thread::get_id()) worker.detach();
      else worker.join();
    }
  }

  std::string label() const {
    return "(rank " + std::to_string(opts.rank) + " of " + std::to_string(opts.size) + ")";
  }

  // Rendezvous and full-mesh connection; throws with a plain message.
  void connect() {
    if (opts.storePath.empty()) {
      // A loopback MASTER_ADDR keeps the store on this machine. Any other is served on every interface, as torch's
      // TCPStore does: MASTER_ADDR is the name the *other* machines use, and on rank 0's own machine it may resolve
      // to a loopback address (Debian's /etc/hosts maps the hostname to 127.0.1.1) nobody else can reach.
      if (opts.rank == 0) {
        server = std::make_unique<fts::TcpStoreServer>(opts.masterAddr, opts.masterPort, !isLoopback(opts.masterAddr));
      }
      store = std::make_unique<fts::TcpStoreClient>(opts.masterAddr, opts.masterPort, opts.timeout);
    } else {
      struct stat st {};
      if (::stat(opts.storePath.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw std::runtime_error("storePath " + opts.storePath +
                                 " is not a folder (create it on a file system every rank sees)");
      }
      store = std::make_unique<gloo::rendezvous::FileStore>(opts.storePath);
    }
    prefixed = std::make_unique<gloo::rendezvous::PrefixStore>(opts.prefix, *store);

    // Which address the other ranks reach this one on: the interface torch's GLOO_SOCKET_IFNAME names (the first of
    // a comma-separated list), loopback for a one-machine job, else the machine's hostname, unless that resolves to
    // loopback (as Debian's /etc/hosts makes it), then the address the route to MASTER_ADDR leaves from.
    gloo::transport::tcp::attr attr;
    const char* ifaceEnv = std::getenv("GLOO_SOCKET_IFNAME");
    std::string iface = ifaceEnv ? std::string(ifaceEnv).substr(0, std::string(ifaceEnv).find(',')) : "";
    if (!iface.empty()) {
      attr.iface = iface;
      transportReason = "interface " + iface + " (GLOO_SOCKET_IFNAME)";
    } else if (isLoopback(opts.masterAddr)) {
      attr.hostname = "127.0.0.1";
      transportReason = "loopback (MASTER_ADDR " + opts.masterAddr + " is loopback)";
    } else {
      char host[256] = {0};
      ::gethostname(host, sizeof(host) - 1);
      attr.hostname = host;
      transportReason = std::string("hostname ") + host;
      if (resolvesToLoopback(host)) {
        std::string routed = routeTo(opts.masterAddr);
        if (!routed.empty()) {
          attr.hostname = routed;
          transportReason = std::string("the route to MASTER_ADDR ") + opts.masterAddr + " (hostname " + host +
                            " resolves to loopback)";
        }
      }
    }
    device = gloo::transport::tcp::CreateDevice(attr);
    transportReason = device->str() + " via " + transportReason;
    context = std::make_shared<gloo::rendezvous::Context>(opts.rank, opts.size);
    context->setTimeout(opts.timeout);
    context->connectFullMesh(*prefixed, device);
    // Every pair is up only once every rank has finished connecting; until then rank 0 must keep serving the store.
    gloo::BarrierOptions barrier(context);
    barrier.setTag(0);
    gloo::barrier(barrier);
  }

  void run(Op* op) {
    try {
      switch (op->kind) {
        case OpKind::Allreduce: {
          gloo::AllreduceOptions o(context);
          o.setTag(op->tag);
          if (op->isDouble) {
            auto* p = static_cast<double*>(op->data);
            o.setInput(p, op->count);
            o.setOutput(p, op->count);
            o.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<double>));
          } else {
            auto* p = static_cast<float*>(op->data);
            o.setInput(p, op->count);
            o.setOutput(p, op->count);
            o.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
          }
          gloo::allreduce(o);
          break;
        }
        case OpKind::Broadcast: {
          gloo::BroadcastOptions o(context);
          o.setTag(op->tag);
          o.setRoot(op->root);
          o.setOutput(static_cast<char*>(op->data), op->count * op->elementSize);
          gloo::broadcast(o);
          break;
        }
        case OpKind::Barrier: {
          gloo::BarrierOptions o(context);
          o.setTag(op->tag);
          gloo::barrier(o);
          break;
        }
      }
    } catch (const std::exception& e) {
      op->error = std::string("gloo ") + opName(op->kind) + " " + label() + ": " +
                  explain(e.what(), opts.rank, opts.size, opts.timeout);
    } catch (...) {
      op->error = std::string("gloo ") + opName(op->kind) + " " + label() + ": unknown error";
    }
  }

  // Worker thread: ops in issue order until close(); then the gloo objects go (pairs close, rank 0's store stops)
  // and a last message (no op) tells the JS thread to join: until then close() keeps the event loop alive, because a
  // process that exits while gloo's threads are being torn down aborts in static destructors.
  static void loop(std::shared_ptr<Group> self) {
    for (;;) {
      Op* op = nullptr;
      {
        std::unique_lock<std::mutex> lock(self->mu);
        self->cv.wait(lock, [&] { return !self->queue.empty() || self->stopping; });
        if (self->queue.empty()) break;
        op = self->queue.front();
        self->queue.pop_front();
      }
      if (op->count > 0 || op->kind == OpKind::Barrier) self->run(op);
      napi_call_threadsafe_function(self->tsfn, op, napi_tsfn_blocking);
    }
    self->context.reset();
    self->device.reset();
    self->prefixed.reset();
    self->store.reset();
    self->server.reset();
    napi_call_threadsafe_function(self->tsfn, nullptr, napi_tsfn_blocking);
    napi_release_threadsafe_function(self->tsfn, napi_tsfn_release);
  }
};

// JS thread: settle an op's promise.
void finishOp(napi_env env, Group* group, Op* op) {
  if (env) {
    if (op->error.empty()) {
      napi_value undef = nullptr;
      napi_get_undefined(env, &undef);
      napi_resolve_deferred(env, op->deferred, undef);
    } else {
      rejectWith(env, op->deferred, op->error);
    }
    if (op->buffer) napi_delete_reference(env, op->buffer);
    // An idle group must not keep the process alive; a group with work in flight must.
    // (After close() the loop stays referenced until the worker's teardown is done: see callJs.)
    if (--group->pending == 0 && !group->closed) napi_unref_threadsafe_function(env, group->tsfn);
  }
  delete op;
}

void releaseOwner(napi_env /*env*/, void* data, void* /*hint*/) {
  delete static_cast<std::shared_ptr<Group>*>(data);
}

void callJs(napi_env env, napi_value /*js_cb*/, void* context, void* data) {
  auto* group = static_cast<Group*>(context);
  if (data) {
    finishOp(env, group, static_cast<Op*>(data));
    return;
  }
  // The worker finished tearing down; it only has the release call left.
  if (group->worker.joinable()) group->worker.join();
  if (env) napi_unref_threadsafe_function(env, group->tsfn);
}

// Held by the JS handle object.
struct Handle {
  std::shared_ptr<Group> group;
};

void closeGroup(napi_env env, Group* g) {
  if (g->closed) return;
  g->closed = true;
  std::deque<Op*> dropped;
  {
    std::lock_guard<std::mutex> lock(g->mu);
    dropped.swap(g->queue);
    g->stopping = true;
  }
  g->cv.notify_all();
  napi_ref_threadsafe_function(env, g->tsfn);  // until the worker's teardown is done (see Group::loop)
  for (Op* op : dropped) {
    op->error = std::string("gloo ") + opName(op->kind) + " " + g->label() + ": the group was closed before it ran";
    finishOp(env, g, op);
  }
}

Group* unwrapThis(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  void* raw = nullptr;
  if (napi_unwrap(env, self, &raw) != napi_ok || !raw) {
    napi_throw_type_error(env, nullptr, "not a gloo group handle (call it as group.method(...))");
    return nullptr;
  }
  return static_cast<Handle*>(raw)->group.get();
}

napi_value enqueue(napi_env env, Group* g, Op* op, napi_value buffer) {
  napi_value promise = nullptr;
  if (napi_create_promise(env, &op->deferred, &promise) != napi_ok) {
    delete op;
    return throwLast(env);
  }
  if (g->closed) {
    rejectWith(env, op->deferred, std::string("gloo ") + opName(op->kind) + " " + g->label() + ": the group is closed");
    delete op;
    return promise;
  }
  if (buffer) napi_create_reference(env, buffer, 1, &op->buffer);
  op->tag = g->nextTag++;
  if (g->pending++ == 0) napi_ref_threadsafe_function(env, g->tsfn);
  {
    std::lock_guard<std::mutex> lock(g->mu);
    g->queue.push_back(op);
  }
  g->cv.notify_one();
  return promise;
}

// Reads a Float32Array/Float64Array (allreduce) or any typed array (broadcast).
bool readBuffer(napi_env env, napi_value v, bool floatsOnly, Op* op, const char* what) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) {
    typeError(env, std::string(what) + " needs a typed array");
    return false;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
    throwLast(env);
    return false;
  }
  size_t es = 0;
  switch (type) {
    case napi_float32_array: es = 4; break;
    case napi_float64_array: es = 8; op->isDouble = true; break;
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: es = 1; break;
    case napi_int16_array: case napi_uint16_array: es = 2; break;
    case napi_int32_array: case napi_uint32_array: es = 4; break;
    case napi_bigint64_array: case napi_biguint64_array: es = 8; break;
    default: es = 0;
  }
  if (es == 0 || (floatsOnly && type != napi_float32_array && type != napi_float64_array)) {
    typeError(env, std::string(what) + " needs a Float32Array or Float64Array");
    return false;
  }
  op->data = data;
  op->count = length;
  op->elementSize = es;
  return true;
}

napi_value Allreduce(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {nullptr};
  Group* g = unwrapThis(env, info, &argc, argv);
  if (!g) return nullptr;
  auto* op = new Op(OpKind::Allreduce);
  if (argc < 1 || !readBuffer(env, argv[0], true, op, "allreduce")) {
    delete op;
    return argc < 1 ? typeError(env, "allreduce needs a Float32Array or Float64Array") : nullptr;
  }
  return enqueue(env, g, op, argv[0]);
}

napi_value Broadcast(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {nullptr, nullptr};
  Group* g = unwrapThis(env, info, &argc, argv);
  if (!g) return nullptr;
  auto* op = new Op(OpKind::Broadcast);
  if (argc < 2 || !readBuffer(env, argv[0], false, op, "broadcast")) {
    delete op;
    return argc < 2 ? typeError(env, "broadcast needs (typedArray, root)") : nullptr;
  }
  int32_t root = -1;
  if (napi_get_value_int32(env, argv[1], &root) != napi_ok || root < 0 || root >= g->opts.size) {
    delete op;
    return typeError(env, "broadcast root must be a rank in [0, " + std::to_string(g->opts.size) + ")");
  }
  op->root = root;
  return enqueue(env, g, op, argv[0]);
}

napi_value Barrier(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Group* g = unwrapThis(env, info, &argc, nullptr);
  if (!g) return nullptr;
  return enqueue(env, g, new Op(OpKind::Barrier), nullptr);
}

napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Group* g = unwrapThis(env, info, &argc, nullptr);
  if (!g) return nullptr;
  closeGroup(env, g);
  return nullptr;
}

// The handle was collected without close(): the worker runs what is queued, then tears down. No JS calls here (the
// environment may be going away, its thread-safe functions with it).
void finalizeHandle(napi_env /*env*/, void* data, void* /*hint*/) {
  auto* h = static_cast<Handle*>(data);
  Group* g = h->group.get();
  {
    std::lock_guard<std::mutex> lock(g->mu);
    g->stopping = true;
  }
  g->cv.notify_all();
  delete h;
}

// ---- createGroup ----

struct CreateWork {
  std::shared_ptr<Group> group = std::make_shared<Group>();
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  std::string error;
};

void createExecute(napi_env /*env*/, void* data) {
  auto* w = static_cast<CreateWork*>(data);
  Group& g = *w->group;
  try {
    g.connect();
  } catch (const std::exception& e) {
    w->error = "gloo createGroup " + g.label() + ": " + explain(e.what(), g.opts.rank, g.opts.size, g.opts.timeout);
  } catch (...) {
    w->error = "gloo createGroup " + g.label() + ": unknown error";
  }
  if (!w->error.empty()) {
    g.context.reset();
    g.device.reset();
    g.prefixed.reset();
    g.store.reset();
    g.server.reset();
  }
}

napi_value makeHandle(napi_env env, std::shared_ptr<Group> group) {
  napi_value obj = nullptr;
  NAPI_OK(napi_create_object(env, &obj));
  napi_value rank = nullptr, size = nullptr;
  NAPI_OK(napi_create_int32(env, group->opts.rank, &rank));
  NAPI_OK(napi_create_int32(env, group->opts.size, &size));
  napi_value transport = jsString(env, group->transportReason);
  napi_property_descriptor props[] = {
      {"rank", nullptr, nullptr, nullptr, nullptr, rank, napi_enumerable, nullptr},
      {"size", nullptr, nullptr, nullptr, nullptr, size, napi_enumerable, nullptr},
      {"transport", nullptr, nullptr, nullptr, nullptr, transport, napi_enumerable, nullptr},
      {"allreduce", nullptr, Allreduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  NAPI_OK(napi_define_properties(env, obj, sizeof(props) / sizeof(props[0]), props));
  auto* h = new Handle{group};
  if (napi_wrap(env, obj, h, finalizeHandle, nullptr, nullptr) != napi_ok) {
    delete h;
    return throwLast(env);
  }
  return obj;
}

void createComplete(napi_env env, napi_status /*status*/, void* data) {
  auto* w = static_cast<CreateWork*>(data);
  std::shared_ptr<Group> g = w->group;
  if (!w->error.empty()) {
    rejectWith(env, w->deferred, w->error);
  } else {
    napi_value name = jsString(env, "gloo group");
    // The thread-safe function owns a reference to the group until Node finalizes it, after its last callJs: the
    // handle may be collected (and the worker gone) while completions are still queued for the JS thread.
    auto* owner = new std::shared_ptr<Group>(g);
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, owner, releaseOwner, g.get(), callJs,
                                        &g->tsfn) != napi_ok) {
      delete owner;
      rejectWith(env, w->deferred, "gloo createGroup " + g->label() + ": cannot create the completion channel");
    } else {
      napi_unref_threadsafe_function(env, g->tsfn);
      g->worker = std::thread(Group::loop, g);
      napi_value handle = makeHandle(env, g);
      if (handle) {
        napi_resolve_deferred(env, w->deferred, handle);
      } else {
        napi_value exc = nullptr;
        napi_get_and_clear_last_exception(env, &exc);
        napi_reject_deferred(env, w->deferred, exc);
      }
    }
  }
  napi_delete_async_work(env, w->work);
  delete w;
}

bool getProp(napi_env env, napi_value obj, const char* key, napi_value* out) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return false;
  napi_get_named_property(env, obj, key, out);
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}

bool getInt(napi_env env, napi_value obj, const char* key, int* out, bool required) {
  napi_value v = nullptr;
  if (!getProp(env, obj, key, &v)) {
    if (required) typeError(env, std::string("createGroup: ") + key + " is required");
    return !required;
  }
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || d != static_cast<double>(static_cast<int64_t>(d))) {
    typeError(env, std::string("createGroup: ") + key + " must be an integer");
    return false;
  }
  *out = static_cast<int>(d);
  return true;
}

bool getString(napi_env env, napi_value obj, const char* key, std::string* out, bool* given) {
  napi_value v = nullptr;
  if (given) *given = false;
  if (!getProp(env, obj, key, &v)) return true;
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) {
    typeError(env, std::string("createGroup: ") + key + " must be a string");
    return false;
  }
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, s.data(), len + 1, &len);
  *out = s;
  if (given) *given = true;
  return true;
}

napi_value CreateGroup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1] = {nullptr};
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_object) return typeError(env, "createGroup needs an options object");
  auto* w = new CreateWork();
  Options& o = w->group->opts;
  int timeoutMs = static_cast<int>(o.timeout.count());
  bool ok = getInt(env, argv[0], "rank", &o.rank, true) && getInt(env, argv[0], "size", &o.size, true) &&
            getString(env, argv[0], "masterAddr", &o.masterAddr, &o.masterAddrGiven) &&
            getString(env, argv[0], "storePath", &o.storePath, nullptr) &&
            getString(env, argv[0], "prefix", &o.prefix, nullptr) &&
            getInt(env, argv[0], "masterPort", &o.masterPort, false) &&
            getInt(env, argv[0], "timeoutMs", &timeoutMs, false);
  if (ok && (o.size < 1 || o.rank < 0 || o.rank >= o.size)) {
    typeError(env, "createGroup: rank " + std::to_string(o.rank) + " is not in [0, size=" + std::to_string(o.size) + ")");
    ok = false;
  }
  if (ok && o.storePath.empty() && (o.masterPort < 1 || o.masterPort > 65535)) {
    typeError(env, "createGroup: masterPort must be in [1, 65535] (or give storePath for a shared-folder rendezvous)");
    ok = false;
  }
  if (ok && timeoutMs <= 0) {
    typeError(env, "createGroup: timeoutMs must be positive");
    ok = false;
  }
  if (!ok) {
    delete w;
    return nullptr;
  }
  o.timeout = std::chrono::milliseconds(timeoutMs);
  napi_value promise = nullptr;
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, nullptr, jsString(env, "gloo createGroup"), createExecute, createComplete, w,
                             &w->work) != napi_ok ||
      napi_queue_async_work(env, w->work) != napi_ok) {
    delete w;
    return throwLast(env);
  }
  return promise;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value version = nullptr;
  NAPI_OK(napi_create_string_utf8(env, GLOO_VERSION_STRING, NAPI_AUTO_LENGTH, &version));
  napi_property_descriptor props[] = {
      {"createGroup", nullptr, CreateGroup, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"glooVersion", nullptr, nullptr, nullptr, nullptr, version, napi_enumerable, nullptr},
  };
  NAPI_OK(napi_define_properties(env, exports, 2, props));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
