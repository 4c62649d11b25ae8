/** Errors of `pnpm backup` / `pnpm restore`: a stable code and the step that failed. */
export const BACKUP_ERROR_CODES = [
  'BACKUP_ERR_NO_REPOSITORY_CONFIG',
  'BACKUP_ERR_NO_PASSWORD',
  'BACKUP_ERR_WRONG_PASSWORD',
  'BACKUP_ERR_NO_REPOSITORY',
  'BACKUP_ERR_REPOSITORY_UNREACHABLE',
  'BACKUP_ERR_REPOSITORY_DAMAGED',
  'BACKUP_ERR_DISK_FULL',
  'BACKUP_ERR_NO_DATABASE',
  'BACKUP_ERR_SQLITE',
  'BACKUP_ERR_INTEGRITY',
  'BACKUP_ERR_RESTIC',
  'BACKUP_ERR_NO_SNAPSHOT',
  'BACKUP_ERR_NOT_READY',
  'BACKUP_ERR_HOOK',
] as const;
export type BackupErrorCode = (typeof BACKUP_ERROR_CODES)[number];

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    /** Which step: `repository`, `sqlite copy`, `restic backup`, `forget`, `check`, `restore`, `swap`, `start`… */
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${step}: ${message}`, options);
  }
}
