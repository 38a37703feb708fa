/** A generated file as the repository's prettier formats it (the checked-in form). */
import { format, resolveConfig } from 'prettier';

export async function formattedMonitoringFile(absolutePath: string, content: string): Promise<string> {
  const options = (await resolveConfig(absolutePath)) ?? {};
  return format(content, { ...options, filepath: absolutePath });
}
