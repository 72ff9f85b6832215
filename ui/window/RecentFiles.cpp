// Recent files as a menu, remembered in the settings.
#include "ui/window/RecentFiles.h"

#include <QAction>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace convscope::ui {

RecentFiles::RecentFiles(QMenu* menu, QString settingsKey, std::function<void(const QString&)> open, QObject* parent)
    : QObject(parent), menu_(menu), key_(std::move(settingsKey)), open_(std::move(open)) {
  paths_ = QSettings().value(key_).toStringList();
  while (paths_.size() > kMost) paths_.removeLast();
  rebuild();
}

void RecentFiles::remember(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  paths_.removeAll(absolute);
  paths_.prepend(absolute);
  while (paths_.size() > kMost) paths_.removeLast();
  QSettings().setValue(key_, paths_);
  rebuild();
}

void RecentFiles::rebuild() {
  menu_->clear();
  for (int i = 0; i < paths_.size(); ++i) {
    const QString path = paths_[i];
    QAction* a = menu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()), this,
                                  [this, path] { open_(path); });
    a->setToolTip(path);
    a->setStatusTip(path);
  }
  menu_->setEnabled(!paths_.isEmpty());
}

} // namespace convscope::ui
