import { SessionConfigError } from '../config/session-config.error.js';

/**
 * Loads an optional peer dependency (a store's driver) when the store that needs it is chosen.
 * Missing, it stops the boot with one kind of error that says the command to install it; any
 * other failure while loading it (a broken install) is passed on as it is.
 */
export async function loadOptionalPeer<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const notFound = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);
    if (!notFound) throw error;
    throw new SessionConfigError([{ name: 'store', reason: `install ${name} to use ${feature}: npm install ${name}` }]);
  }
}
