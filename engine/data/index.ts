/** Datasets and loading: the public API of `engine/data`. */
export {
  DataError,
  baseName,
  formatDataMessage,
  type DataLocation,
  type DataWarning,
  type WarningHandler,
} from './errors';
export {
  classCounts,
  classIndices,
  describeDataset,
  featureSize,
  makeDataset,
  numClasses,
  sampleCount,
  shapeSize,
  subset,
  targetSize,
  validateDataset,
  withFeatures,
  type Dataset,
  type DatasetInit,
  type LabelEncoding,
  type Task,
} from './dataset';
export {
  MAX_CSV_BYTES,
  detectHeader,
  forEachCsvRecord,
  loadCsvFile,
  parseCsv,
  parseCsvRecords,
  parseNumberCell,
  previewCsv,
  type ColumnRef,
  type CsvOptions,
  type CsvPreview,
  type CsvReadOptions,
  type CsvRecord,
} from './csv';
export {
  DIGIT_CLASSES,
  FASHION_MNIST_CLASSES,
  MAX_IDX_BYTES,
  idxDatasetFromBytes,
  isGzip,
  loadIdxDataset,
  parseIdx,
  readIdxFile,
  type IdxArray,
  type IdxData,
  type IdxDatasetOptions,
  type IdxDtype,
} from './idx';
export {
  datasetAssetsDir,
  fashionMnistSearchPath,
  isBuiltinDataset,
  listBuiltinDatasets,
  loadBuiltinDataset,
  type BuiltinDatasetInfo,
  type BuiltinParamSpec,
  type BuiltinParamValue,
  type BuiltinParams,
} from './builtin';
export {
  DEBIAN_FASHION_MNIST_DIR,
  fashionMnistSearchPlaces,
  findFashionMnist,
  installFashionMnist,
  userFashionMnistDir,
  type FashionMnistFiles,
  type InstallResult,
  type SearchPlace,
} from './fashion-mnist';
export { dataLocations, givenDataDirs, userDataDir, userDatasetsDir, withDataLocations, type DataLocations, type Env } from './user-data';
export {
  NORMALIZATION_KINDS,
  applyNormalization,
  fitNormalization,
  normalizationSchema,
  normalizeFeatures,
  normalizeSplits,
  type Normalization,
  type NormalizationKind,
} from './transforms';
export { splitIndices, trainTestSplit, type SplitIndices, type SplitOptions, type SplitResult } from './split';
export { DataLoader, epochSeed, type Batch, type DataLoaderOptions } from './loader';
