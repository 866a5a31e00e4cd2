import { SessionConfigError } from '../config/session-config.error.js';

/**
 * Loads an optional peer dependency (a store's driver) when the store that needs it is chosen.
 * Missing, it stops the boot with one kind of error that says the command to install it, naming
 * the option that asked for it; any other failure while loading it (a broken install) is passed
 * on as it is.
 */
export async function loadOptionalPeer<T>(name: string, feature: string, load: () => Promise<T>, option = 'store'): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPeer(error, name)) throw error;
    throw new SessionConfigError([{ name: option, reason: `install ${name} to use ${feature}: npm install ${name}` }]);
  }
}

/** Loads an optional peer the module uses when the app has it installed: null when it is not. */
export async function loadInstalledPeer<T>(name: string, load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPeer(error, name)) return null;
    throw error;
  }
}

function isMissingPeer(error: unknown, name: string): boolean {
  return (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);
}
