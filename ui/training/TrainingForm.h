// The Training tab's recipe: the model (a preset, a model file or an edited layer list),
// the dataset and the hyperparameters, the checkpoint setting, and the buttons that keep a
// run's result (Reset, Save model…, Export curves…). It fills a TrainingRequest; it does
// not start, draw or hold a run. Not for: the run's controls (TrainingPanel).
#pragma once

#include "ui/training/TrainingWorker.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

namespace convscope::ui {

class TrainingForm : public QWidget {
  Q_OBJECT
public:
  explicit TrainingForm(QWidget* parent = nullptr);

  // The form's recipe into request.spec: the model (unless request.spec.resume, when the
  // checkpoint brings it), dataset, initialization and TrainConfig; and where checkpoints
  // go when they are ticked.
  void fill(TrainingRequest& request) const;
  QString modelName() const; // the model box's text: a preset, a file or customModelName()
  QString datasetName() const;
  // While a run goes on nothing in the form changes.
  void setRunning(bool running);
  void setSaveEnabled(bool enabled);
  // The worker's report after each epoch's checkpoint, shown as the checkbox's tooltip.
  void showCheckpointSaved(const QString& path, int epochs, const QString& problem);

  QString lastCheckpoint() const { return lastCheckpoint_; } // where this tab's checkpoints go
  QString currentLayerText() const; // the current model as a layer list (LeNet-5 when it has none)
  static QString customModelName(); // the model box's entry for an edited layer list
  QComboBox* modelBox() const { return model_; }
  QSpinBox* epochsBox() const { return epochs_; }
  QSpinBox* batchBox() const { return batch_; }
  QSpinBox* trainImagesBox() const { return trainImages_; }
  QDoubleSpinBox* smoothingBox() const { return smoothingBox_; }

public slots:
  // A .txt layer list becomes the edited network (false, with a message, when it does not
  // fit); any other path is taken as a model file.
  bool openModelFile(const QString& path);
  void setLayers(const QString& text); // use this layer list as the model
  void editLayers();                   // the layer editor, on the current model

signals:
  void message(const QString& text); // for the tab's status line
  void smoothingChanged(double k);
  void resetClicked();
  void saveClicked();
  void exportClicked();
  void resumeChosen(const QString& checkpoint);

private:
  QComboBox *model_, *dataset_, *optimizer_, *loss_, *init_;
  QSpinBox *epochs_, *batch_, *seed_, *threads_, *trainImages_, *lrStep_;
  QDoubleSpinBox *learningRate_, *momentum_, *smoothingBox_, *weightDecay_, *lrGamma_;
  QCheckBox* checkpointBox_;      // save a checkpoint after every epoch
  QPushButton* resumeFileButton_; // go on from a checkpoint
  QPushButton *resetButton_, *saveButton_, *editLayersButton_, *browseModelButton_, *browseDatasetButton_;
  QString lastCheckpoint_; // the file this tab's checkpoints go to
  QString customLayers_;   // the edited layer list, used when the model box shows customModelName()
};

} // namespace convscope::ui
