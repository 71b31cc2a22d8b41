/** The workbench's error analysis is the display's (the status dashboard draws the same one). */
export { latestFailedStage, needsErrorAnalysis, stageErrorAnalysis } from '../display/stage-error-view';
