// A remembered list of recently used files shown as a menu: File → Open Recent and
// File → Recent Lectures. The newest first, at most ten, each once (by absolute path), kept
// in QSettings under a key; an entry reads "&1 name" with the whole path as its tip.
// Not for: opening the files (the owner's callback does).
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QMenu;

namespace convscope::ui {

class RecentFiles : public QObject {
public:
  // Reads the list remembered under `settingsKey` and fills `menu`; choosing an entry calls
  // open(path).
  RecentFiles(QMenu* menu, QString settingsKey, std::function<void(const QString& path)> open, QObject* parent);
  // `path` becomes the newest entry (remembered at once).
  void remember(const QString& path);
  const QStringList& paths() const { return paths_; }

  static constexpr int kMost = 10;

private:
  void rebuild();

  QMenu* menu_;
  QString key_;
  std::function<void(const QString&)> open_;
  QStringList paths_;
};

} // namespace convscope::ui
