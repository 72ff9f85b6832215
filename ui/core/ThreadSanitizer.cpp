// The sync point of ThreadSanitizer.h, and the wrappers the linker puts around QtCore's
// queued-call entry points (CMakeLists.txt: -Wl,--wrap=…, ThreadSanitizer builds only).
#include "ui/core/ThreadSanitizer.h"

#include <QCoreApplication>
#include <QObject>

extern "C" {
void __tsan_acquire(void* address);
void __tsan_release(void* address);
}

namespace {
char gQueuedCalls; // the one sync point: its address is all TSan needs

class ArrivalFilter : public QObject {
public:
  using QObject::QObject;
  bool eventFilter(QObject*, QEvent*) override {
    __tsan_acquire(&gQueuedCalls);
    return false;
  }
};
} // namespace

namespace convscope::ui {
void queuedCallArrived() { __tsan_acquire(&gQueuedCalls); }
void queuedCallSent() { __tsan_release(&gQueuedCalls); }
void installQueuedCallHooks() {
  static bool installed = false;
  if (installed || !QCoreApplication::instance()) return;
  installed = true;
  QCoreApplication::instance()->installEventFilter(new ArrivalFilter(QCoreApplication::instance()));
}
} // namespace convscope::ui

// QMetaObject::activate(QObject*, const QMetaObject*, int, void**): every signal moc writes.
extern "C" void __real__ZN11QMetaObject8activateEP7QObjectPKS_iPPv(QObject*, const QMetaObject*, int, void**);
extern "C" void __wrap__ZN11QMetaObject8activateEP7QObjectPKS_iPPv(QObject* sender, const QMetaObject* meta, int index,
                                                                   void** arguments) {
  __tsan_release(&gQueuedCalls);
  __real__ZN11QMetaObject8activateEP7QObjectPKS_iPPv(sender, meta, index, arguments);
}

// QMetaObject::invokeMethodImpl(QObject*, QSlotObjectBase*, Qt::ConnectionType, void*): every
// QMetaObject::invokeMethod with a function or a lambda.
extern "C" bool
__real__ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv(QObject*,
                                                                                                         void*, int,
                                                                                                         void*);
extern "C" bool
__wrap__ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv(
    QObject* object, void* slot, int type, void* ret) {
  __tsan_release(&gQueuedCalls);
  return __real__ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt14ConnectionTypeEPv(
      object, slot, type, ret);
}
