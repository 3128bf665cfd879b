// The Hub features' public surface, for the Models view, the fine-tune flow and zero-shot model fetch.
export { resolveHubCacheDir, repoFolderName, validateRepoId } from './cacheLocation';
export type { RepoType } from './cacheLocation';
export { scanHubCache, findCachedSnapshot } from './cacheScan';
export type { CacheScan, CachedRepo, CachedRevision } from './cacheScan';
export { selectFilesForFineTuning, isNeverDownloaded } from './fileSelection';
export { HubClient, HUB_TASKS, DEFAULT_HUB_ENDPOINT } from './hubClient';
export type { HubClientOptions, HubSearchQuery, HubModelSummary, HubModelDetails, HubFileEntry, HubTask, HubSort } from './hubClient';
export { HubError } from './hubErrors';
export type { HubErrorKind } from './hubErrors';
export { downloadSnapshot } from './snapshotDownload';
export type { DownloadProgress, SnapshotDownloadOptions, SnapshotDownloadResult } from './snapshotDownload';
export { UnsafeHubPathError } from './safePath';
